#!/usr/bin/env python3
"""The longest functions of the library and CLI (`src/`, tests inside a file left
out), by lines from `fn` to its closing brace.

    scripts/long-fns.py [N] [SRC]      # the N longest (default 15) of SRC (default src/)
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
top = int(sys.argv[1]) if len(sys.argv) > 1 else 15
SRC = sys.argv[2] if len(sys.argv) > 2 else SRC


def strip(text):
    """The text with comments, strings and chars blanked (lines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not re.match(r"[A-Za-z0-9_]", text[i - 1:i] or " "):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + len(hashes) + 2)
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12]):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


found = []
for d, _, fs in os.walk(SRC):
    for f in fs:
        if not f.endswith(".rs"):
            continue
        p = os.path.join(d, f)
        text = strip(open(p, encoding="utf-8").read())
        text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
        for m in re.finditer(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", text):
            start = text.find("{", m.end())
            semi = text.find(";", m.end())
            if start < 0 or (0 <= semi < start):
                continue
            level, i = 0, start
            while i < len(text):
                if text[i] == "{":
                    level += 1
                elif text[i] == "}":
                    level -= 1
                    if level == 0:
                        break
                i += 1
            lines = text.count("\n", m.start(), i) + 1
            found.append((lines, os.path.relpath(p, SRC), m.group(1)))
found.sort(key=lambda x: (-x[0], x[1], x[2]))
for lines, path, name in found[:top]:
    print(f"{lines:5}  src/{path}  {name}")
print(f"functions over 80 lines: {sum(1 for x in found if x[0] > 80)} of {len(found)}")
