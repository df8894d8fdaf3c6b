#!/usr/bin/env python3
"""Seeds for the `results` fuzz target from the kept results folder in
tests/data: its files renamed to the target's fixed layout (experiment `x`,
NUL-separated). Usage: python3 seeds/results.py corpus/results"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "tests", "data", "results-go1.26.8")
out = sys.argv[1] if len(sys.argv) > 1 else "corpus/results"
os.makedirs(out, exist_ok=True)
manifest = json.load(open(os.path.join(data, "manifest.json")))
for name in manifest["experiments"]:
    runs = json.load(open(os.path.join(data, name, "runs.json")))
    runs["experiment"] = "x"
    for cell in runs["cells"]:
        cell["runs"] = min(cell["runs"], 1)
    m = dict(manifest, experiments=["x"])
    cell = runs["cells"][0]
    timeline = open(os.path.join(data, name, cell["dir"], "1", "timeline.json")).read()
    runs["cells"] = [dict(cell, dir="defaults", settings="defaults")]
    files = [json.dumps(m), json.dumps(runs), timeline]
    with open(os.path.join(out, f"seed-{name}"), "w") as f:
        f.write("\0".join(files))
    kept = {"dir": "/tmp/exp", "files": [{"path": "x.toml", "text": open(os.path.join(here, "..", "..", "experiments", f"{name}.toml")).read() if os.path.exists(os.path.join(here, "..", "..", "experiments", f"{name}.toml")) else ""}]}
    with open(os.path.join(out, f"seed-{name}-kept"), "w") as f:
        f.write("\0".join(files + ["{}", json.dumps(kept), "../../.."]))
