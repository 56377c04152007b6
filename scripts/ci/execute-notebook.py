"""Execute a notebook top to bottom and fail on the first cell error (used by notebook.sh).

usage: python execute-notebook.py IN.ipynb OUT.ipynb
"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


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
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    print(f"{src}: {cells} code cells ran without error, {images} figures; executed copy in {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
