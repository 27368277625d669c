#!/usr/bin/env python3
"""The library's module graph, from the `crate::` paths each source file names
(tests inside a file left out), and its cycles: every strongly connected group
of more than one module. A module's own submodules are folded into it when
`--depth 1` is given (the default is each file as its own module).

    scripts/module-graph.py [--depth N] [--edges] [--check]

With `--check` it fails (exit 1) when there is a cycle, as CI runs it.
"""
import os
import re
import sys

depth = int(sys.argv[sys.argv.index("--depth") + 1]) if "--depth" in sys.argv else 9
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    return "::".join(rel[:depth]) if rel != ["lib"] else "lib"


files = {}
for d, _, fs in os.walk(SRC):
    for f in fs:
        if f.endswith(".rs") and f != "main.rs":
            p = os.path.join(d, f)
            if os.path.relpath(p, SRC).startswith("cli"):
                continue
            text = open(p, encoding="utf-8").read()
            text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
            text = re.sub(r"//[^\n]*", "", text)
            files.setdefault(module_of(p), []).append(text)
modules = set(files)


def target(path):
    """The longest known module that `path` (a::b::C) starts with."""
    parts = path.split("::")
    for n in range(len(parts), 0, -1):
        m = "::".join(parts[:n])
        if m in modules:
            return m
    return None


def paths(text):
    """Every path after `crate::`, braces of a `use` expanded."""
    out = []
    for m in re.finditer(r"crate::((?:[A-Za-z_][A-Za-z0-9_]*::)*)(\{|[A-Za-z_][A-Za-z0-9_]*)", text):
        prefix, last = m.group(1), m.group(2)
        if last != "{":
            out.append(prefix + last)
            continue
        i, level, start, items = m.end(), 1, m.end(), []
        while i < len(text) and level:
            c = text[i]
            if c == "{":
                level += 1
            elif c == "}":
                level -= 1
            if (c == "," and level == 1) or level == 0:
                items.append(text[start:i])
                start = i + 1
            i += 1
        for item in items:
            item = re.sub(r"\s+", "", item).split("{")[0].strip(":")
            if item:
                out.append(prefix + item)
    return out


edges = {m: set() for m in modules}
for m, texts in files.items():
    for text in texts:
        for p in paths(text):
            t = target(p)
            if t and t != m and not m.startswith(t + "::") and not t.startswith(m + "::") and t != "lib":
                edges[m].add(t)

# Tarjan's strongly connected components.
index, low, stack, on, groups, n = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = n[0]
    n[0] += 1
    stack.append(v)
    on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        g = []
        while True:
            w = stack.pop()
            on.discard(w)
            g.append(w)
            if w == v:
                break
        groups.append(sorted(g))


sys.setrecursionlimit(10000)
for v in sorted(modules):
    if v not in index:
        visit(v)
cycles = [g for g in groups if len(g) > 1]
if "--edges" in sys.argv:
    for m in sorted(edges):
        print(f"{m} -> {' '.join(sorted(edges[m]))}")
print(f"{len(modules)} modules, {sum(len(e) for e in edges.values())} edges, {len(cycles)} cycles")
for g in sorted(cycles):
    print("cycle:", " ".join(g))
if "--check" in sys.argv and cycles:
    sys.exit(1)
