#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Strict checker of the Prometheus text exposition format (0.0.4).

Usage: prom_check.py FILE [--json]

Fails (exit 1, a message naming the line) on anything a Prometheus server
or promtool would reject, plus what the naming conventions ask for:
  - every line is a "# HELP", "# TYPE", another comment, or a sample
    "name{label="value",...} value" ending in a newline;
  - metric and label names are valid, label values correctly escaped;
  - TYPE (counter, gauge, untyped, ...) at most once per family, before
    its samples; HELP at most once; a family's samples are contiguous;
  - no series (name + labels) twice; values parse as floats;
  - counters are named *_total, are finite and not negative; names are
    snake_case.
--json prints the samples as a JSON object {"name{a=\"1\"}": value}
with labels sorted, for tests to compare values.
"""
import json
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
SNAKE = re.compile(r"[a-z_][a-z0-9_]*$")


class Bad(Exception):
    pass


def parse_labels(s, i, lineno):
    """Parses {a="x",b="y"} from s[i] == '{'; returns (labels, next index)."""
    labels = {}
    i += 1
    while True:
        if s[i] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Bad(f"line {lineno}: bad label name at column {i + 1}")
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad(f"line {lineno}: label {name}: expected =\"")
        i += 2
        val = []
        while s[i] != '"':
            if s[i] == "\\":
                esc = s[i + 1]
                if esc not in 'n"\\':
                    raise Bad(f"line {lineno}: bad escape \\{esc} in label {name}")
                val.append("\n" if esc == "n" else esc)
                i += 2
            elif s[i] == "\n":
                raise Bad(f"line {lineno}: newline in label {name}")
            else:
                val.append(s[i])
                i += 1
        i += 1
        if name in labels:
            raise Bad(f"line {lineno}: label {name} twice")
        labels[name] = "".join(val)
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            raise Bad(f"line {lineno}: expected , or }} after label {name}")


def parse_value(v, lineno):
    if v in ("+Inf", "-Inf", "NaN"):
        return float(v.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", v):
        raise Bad(f"line {lineno}: bad value {v!r}")
    return float(v)


def series_key(name, labels):
    inner = ",".join(f'{k}="{labels[k]}"' for k in sorted(labels))
    return f"{name}{{{inner}}}" if labels else name


def check(text):
    if text and not text.endswith("\n"):
        raise Bad("the last line has no newline")
    types, helps, done, samples = {}, set(), set(), {}
    current = None
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.fullmatch(name):
                    raise Bad(f"line {lineno}: bad metric name {name!r}")
                if parts[1] == "HELP":
                    if name in helps:
                        raise Bad(f"line {lineno}: second HELP for {name}")
                    helps.add(name)
                else:
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise Bad(f"line {lineno}: bad TYPE line")
                    if name in types:
                        raise Bad(f"line {lineno}: second TYPE for {name}")
                    if name in done or name == current:
                        raise Bad(f"line {lineno}: TYPE for {name} after its samples")
                    types[name] = parts[3]
            continue
        if not line.strip():
            raise Bad(f"line {lineno}: empty line")
        m = NAME.match(line)
        if not m:
            raise Bad(f"line {lineno}: no metric name")
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line + "\n", i, lineno)
        if i >= len(line) or line[i] != " ":
            raise Bad(f"line {lineno}: expected a space before the value")
        rest = line[i + 1:].split(" ")
        if len(rest) not in (1, 2):
            raise Bad(f"line {lineno}: trailing garbage")
        value = parse_value(rest[0], lineno)
        if name != current:
            if name in done:
                raise Bad(f"line {lineno}: samples of {name} are not contiguous")
            if current:
                done.add(current)
            current = name
        key = series_key(name, labels)
        if key in samples:
            raise Bad(f"line {lineno}: series {key} twice")
        samples[key] = value
        if not SNAKE.match(name):
            raise Bad(f"line {lineno}: {name} is not snake_case")
        if types.get(name) == "counter":
            if not name.endswith("_total"):
                raise Bad(f"line {lineno}: counter {name} is not named *_total")
            if not math.isfinite(value) or value < 0:
                raise Bad(f"line {lineno}: counter {name} is {value}")
        elif name.endswith("_total") and types.get(name) != "counter":
            raise Bad(f"line {lineno}: {name} is *_total but not a counter")
        if name not in types:
            raise Bad(f"line {lineno}: {name} has no TYPE line")
    return samples


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        samples = check(text)
    except (Bad, IndexError) as e:
        print(f"prom_check: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    if "--json" in sys.argv[2:]:
        json.dump(samples, sys.stdout, sort_keys=True)
        print()
    else:
        print(f"prom_check: {len(samples)} samples OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
