"""``kind: eia`` — a year of hourly weather over every stack: ``spec`` (the file), ``setup`` (what a year run prepares
once), ``stats`` (HJ 2.2-2018 / HJ 663 statistics), ``run`` (the year run), ``outputs`` (NetCDF, transfer matrices,
report), ``caps`` and ``caps_run`` (total-emission caps as a linear program)."""
