"""``kind: typhoon`` — wind, rain and sea level from a track, the park flood and the assets it reaches: ``spec`` (the
file), ``flood`` (the flood grid and run over the park), ``run`` (events, report, triggered release), ``ensemble``
(track and intensity members)."""
