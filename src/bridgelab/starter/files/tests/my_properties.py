"""A property of your own: plain functions over the recorded events.

Name it in a scenario (`[checks] properties = ["my_properties:no_large_mint"]`, the module
looked up next to the scenario file) or pass it from a test, as tests/test_bridge.py does.
An `always` check returns None when the event is fine, or a sentence saying what is wrong.
"""

from bridgelab.checker.api import always

LARGE_MINT = 10_000_000


@always("mine.no-large-mint", "No single mint exceeds 10,000,000 token units.")
def no_large_mint(event, view):
    if event.kind == "mint" and event.fields["amount"] > LARGE_MINT:
        return f"mint #{event.fields['nonce']} of {event.fields['amount']}"
    return None
