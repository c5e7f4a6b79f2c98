"""A fuzz harness for every input bridgelab reads from a file: scenarios and campaigns.

One idea per module:

- `corpus`: the shipped scenarios and campaigns the mutations start from;
- `toml_text`: any data (NaN, control characters, deep nesting included) written as TOML;
- `mutations`: Hypothesis strategies that mutate a shipped file structurally (drop,
  duplicate, retype keys; nest deep; huge, tiny, NaN, infinite, negative numbers; unicode
  and control characters; long lists);
- `extremes`: Hypothesis strategies that push a shipped scenario to the edges of what the
  schema allows (smallest and largest values, every word, an added attack), so that inputs
  which validate are extreme too: what the run sampler needs;
- `raw`: Hypothesis strategies of raw bytes, random and TOML-like;
- `outcome`: the classes of outcome and their tally;
- `loader`: feeds inputs to the loader in this process and classifies each;
- `runs`: runs validated inputs with a short horizon in a subprocess under a time and a
  memory limit, in a fresh directory, and classifies each (writes outside it included);
- `__main__`: `python -m bridgelab.fuzz` (`make fuzz`), counts by class, non-zero exit on
  a traceback, a hang or a write outside the output directory.
"""
