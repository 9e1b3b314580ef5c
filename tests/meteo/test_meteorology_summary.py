"""The year's weather summarised for an EIA report (meteo.climatology.meteorology_summary)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from meteo.climatology import SECTOR_NAMES, WIND_ROSE_SPEED_EDGES, meteorology_summary


def test_the_meteorology_summary_counts_what_it_says():
    # 8 hours by hand: direction 0, 11.2 → N; 11.3 → NNE; 348.8 → N; 200 → SSW; speeds 0.2 (calm), 1, 2.5, 4, 9.
    met = xr.Dataset({"wind_speed": ("time", np.array([0.2, 1.0, 2.5, 4.0, 9.0, 1.0, 0.3, 6.0])),
                      "wind_from_direction": ("time", np.array([0.0, 11.2, 11.3, 348.8, 200.0, 0.0, 90.0, 359.0])),
                      "stability_class": ("time", np.array([3, 3, 3, 5, 5, 0, 3, 3])),
                      "atmosphere_boundary_layer_thickness": ("time", np.array([800.0] * 5 + [1500.0, 100, 200]))})
    summary = meteorology_summary(met)
    assert summary.calm == pytest.approx(2 / 8)  # 0.2 and 0.3 m/s
    assert summary.rose.sum() + summary.calm == pytest.approx(1.0)
    n, nne, ssw = SECTOR_NAMES.index("N"), SECTOR_NAMES.index("NNE"), SECTOR_NAMES.index("SSW")
    classes = np.searchsorted(WIND_ROSE_SPEED_EDGES, [1.0, 2.5, 4.0, 9.0, 6.0], side="right") - 1
    assert classes.tolist() == [0, 1, 2, 4, 3]
    assert summary.rose[n].sum() == pytest.approx(4 / 8)  # 11.2 (1 m/s), 348.8 (4), 0.0 (1), 359 (6)
    assert summary.rose[nne, 1] == pytest.approx(1 / 8) and summary.rose[ssw, 4] == pytest.approx(1 / 8)
    np.testing.assert_allclose(summary.stability, [1 / 8, 0, 0, 5 / 8, 0, 2 / 8])
    assert np.isnan(summary.stability_wind_speed[1]) and summary.mixing_height[0].tolist() == [1500.0] * 3
