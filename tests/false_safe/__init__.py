"""The false-"safe" regression suite: one module per way bridgelab once said "safe" when it
was not, each test failing on the code before the fix.

1. `report` said SAFE on zero runs or on a stale results.json beside a new history.
2. Usage errors exited 2 ("inconclusive"), so a mistyped flag passed the CI gate; crashes
   exited 1 ("a property failed").
3. The adversary forged one fixed transfer, so a per-transfer cap or a rate limit hid a break.
4. `required` members were ignored under threshold BLS and the checker agreed.
5-6. A challenge window protected with nobody watching; relayers resubmitted queued mints; a
   reorg kept the rate-limit tokens of the mints it undid; the thief's own frozen burn counted
   as an honest liveness failure.
"""
