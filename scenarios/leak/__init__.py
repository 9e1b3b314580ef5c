"""``kind: leak`` — a toxic release from a risk source: ``spec`` (the file), ``source`` (source terms), ``dispersion``
(the HJ 169-2018 model choice: SLAB-equation dense gas or Gaussian puffs), ``weather`` and ``inputs`` (the release's
weather, source term, receptors and puff options), ``assessment`` (thresholds, zones, impacts, response level),
``outputs`` (plan view, leak.nc, pictures), ``run`` (the run's steps), ``ensemble`` and ``ensemble_outputs``
(perturbed members, probabilities, the plan's ensemble section)."""
