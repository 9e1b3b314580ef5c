"""``kind: water``: water environmental capacity of a park river — spec, caps (linear program, equal proportion,
segment method), run and outputs."""
