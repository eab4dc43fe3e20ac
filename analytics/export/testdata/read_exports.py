"""Reads the exports a Go test wrote with the reference readers, and checks
they hold what the test put in: python3 read_exports.py DIR ROWS."""
import csv
import json
import sys

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

d, rows = sys.argv[1], int(sys.argv[2])
want = ["height", "id", "amount", "delta", "ratio", "at", "status", "ok"]

table = ipc.open_stream(open(f"{d}/out.arrow", "rb").read()).read_all()
assert table.num_rows == rows, table.num_rows
assert table.column_names == want, table.column_names
assert table.schema.field("at").type == pa.timestamp("ms", tz="UTC"), table.schema
assert table.column("height").to_pylist()[:3] == [1, 2, 3]

pt = pq.read_table(f"{d}/out.parquet")
assert pt.num_rows == rows and pt.column_names == want, (pt.num_rows, pt.column_names)
assert pt.column("amount").to_pylist() == table.column("amount").to_pylist()

with open(f"{d}/out.csv", newline="") as f:
    r = list(csv.reader(f))
assert r[0] == want and len(r) == rows + 1, (r[0], len(r))

j = json.load(open(f"{d}/out.json"))
assert len(j) == rows and j[0]["id"] == "tx-1", j[0]
print(f"pyarrow {pa.__version__}: arrow, parquet, csv and json exports of {rows} rows read back")
