"""``kind: leak`` — a toxic release from a risk source: ``spec`` (the file), ``source`` (source terms), ``dispersion``
(the HJ 169-2018 model choice: SLAB-equation dense gas or Gaussian puffs), ``run`` (zones, receptors, plan draft),
``ensemble`` and ``ensemble_outputs`` (perturbed members, probabilities, the plan's ensemble section)."""
