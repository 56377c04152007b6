"""Execute a notebook top to bottom and fail on the first cell error (used by notebook.sh).

usage: python execute-notebook.py IN.ipynb OUT.ipynb
"""
import base64
import struct
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


MAX_FIGURE_PX = 2100


def main() -> int:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}})
    try:
        client.execute()
    except CellExecutionError as err:
        nbformat.write(nb, dst)
        print(f"{src}: a cell failed (executed copy in {dst}):\n{err}", file=sys.stderr)
        return 1
    nbformat.write(nb, dst)
    # An error raised while a figure is drawn (after the cell ran) is an output, not an exception.
    errors = [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells) if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        print(f"{src}: errors in cell outputs (executed copy in {dst}): {'; '.join(errors)}", file=sys.stderr)
        return 1
    # A figure taller than this is unreadable on a screen (the notebook caps its figures).
    too_tall = []
    for i, c in enumerate(nb.cells):
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            png = o.get("data", {}).get("image/png")
            if png:
                width, height = struct.unpack(">II", base64.b64decode(png)[16:24])
                if height > MAX_FIGURE_PX:
                    too_tall.append(f"cell {i}: {width}x{height} px")
    if too_tall:
        print(f"{src}: figures taller than {MAX_FIGURE_PX} px: {', '.join(too_tall)}", file=sys.stderr)
        return 1
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    print(f"{src}: {cells} code cells ran without error, {images} figures; executed copy in {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
