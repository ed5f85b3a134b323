"""Print a notebook's stored text outputs (for reviewing a build): python tools/show_outputs.py NB.ipynb"""

import sys

import nbformat

for i, cell in enumerate(nbformat.read(sys.argv[1], as_version=4).cells):
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            print(f"[{i} {out.name}]", out.text.rstrip()[:1500])
        elif out.output_type in ("display_data", "execute_result"):
            print(f"[{i} data]", sorted(out.data), str(out.data.get("text/plain", ""))[:150])
        elif out.output_type == "error":
            print(f"[{i} ERROR]", out.ename, out.evalue)
