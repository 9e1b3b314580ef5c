"""``kind: plume`` — hourly steady Gaussian plumes of every stack: ``spec`` (the file), ``run`` (the run),
``outputs`` (NetCDF, maps, summary), ``ensemble`` (perturbed members on Dask)."""
