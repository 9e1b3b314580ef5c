"""What every scenario kind shares: the file's common blocks (``spec``), weather from a ``weather:`` block
(``weather``, ``storm``), receptor grids (``grids``), ensemble expansion (``ensemble``) and member files on Dask
(``members``), impacts and threat zones (``impact``, ``zones``), map views (``views``), CF pieces (``cf``), run results
and ``run.json`` (``results``), progress (``progress``) and the batch lock and JSON-lines log (``batch``).

Nothing here imports a kind's runner; the kinds import from here.
"""
