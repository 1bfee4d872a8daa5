"""List the msgids of a catalogue that still lack a translation (or are fuzzy), as JSON."""

import json
import sys

from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as handle:
    catalog = read_po(handle)
missing = {}
for message in catalog:
    if not message.id:
        continue
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if message.fuzzy or not all(strings):
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        missing[key] = list(message.id) if isinstance(message.id, tuple) else ""
print(json.dumps(missing, ensure_ascii=False, indent=1))
