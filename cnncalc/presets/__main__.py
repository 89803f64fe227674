"""``python -m cnncalc.presets``: write each preset's parsed form next to its YAML."""

from cnncalc.presets import write_parsed

for path in write_parsed():
    print(path)
