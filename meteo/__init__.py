"""ParkTwin layer 2: meteorology — weather series, solar elevation, stability classes, wind profiles, mixing height.

The Weather data model is an ``xarray.Dataset`` on ``time`` (datetime64[ns], UTC) with CF names; see
``meteo.weather``. Stability is an int8 code 0..5 for Pasquill–Gifford classes A..F (``CLASS_LABELS``).
"""

from meteo.aermet import read_aermet
from meteo.aermod_profiles import AermodProfiles, aermod_profiles
from meteo.aermod_tower import tower_profiles
from meteo.climatology import MostCommonConditions, most_common_conditions
from meteo.forecast import read_forecast_netcdf, read_forecast_precipitation, write_sample_forecast
from meteo.io import read_station_csv, write_station_csv
from meteo.profiles import (
    GB3840_MIXING_HEIGHT_COEFFICIENTS,
    GB3840_MIXING_HEIGHT_REGIONS,
    ISC3_WIND_PROFILE_EXPONENTS,
    apply_calm_threshold,
    mixing_height_gb3840,
    wind_speed_power_law,
)
from meteo.solar import local_mean_solar_time, solar_declination_gb3840, solar_elevation_gb3840
from meteo.stability import (
    CLASS_LABELS,
    class_codes,
    net_radiation_index_turner,
    radiation_grade_gb3840,
    stability_from_obukhov,
    stability_gb3840,
    stability_turner,
    turner_is_daytime,
)
from meteo.synthetic import synthetic_weather
from meteo.typhoon import holland_1980, holland_2010, holland_b_from_vmax, rmax_willoughby_2006
from meteo.typhoon_tracks import complete_track, design_typhoon_track, read_cma_best_track, read_ibtracs_csv
from meteo.typhoon_wind import convert_to_10min_mean, typhoon_wind_field
from meteo.weather import make_weather, prepare_dispersion_met, select_period, to_utc_datetime64, validate_weather

__all__ = [
    # data model and I/O
    "make_weather",
    "validate_weather",
    "prepare_dispersion_met",
    "select_period",
    "to_utc_datetime64",
    "read_station_csv",
    "write_station_csv",
    "read_aermet",
    "synthetic_weather",
    "MostCommonConditions",
    "most_common_conditions",
    # sun
    "solar_declination_gb3840",
    "solar_elevation_gb3840",
    "local_mean_solar_time",
    # stability
    "CLASS_LABELS",
    "class_codes",
    "stability_gb3840",
    "stability_turner",
    "stability_from_obukhov",
    "radiation_grade_gb3840",
    "net_radiation_index_turner",
    "turner_is_daytime",
    # profiles and mixing height
    "ISC3_WIND_PROFILE_EXPONENTS",
    "GB3840_MIXING_HEIGHT_COEFFICIENTS",
    "GB3840_MIXING_HEIGHT_REGIONS",
    "wind_speed_power_law",
    "mixing_height_gb3840",
    "apply_calm_threshold",
    "AermodProfiles",
    "aermod_profiles",
    "tower_profiles",
    # forecasts
    "read_forecast_netcdf",
    "read_forecast_precipitation",
    "write_sample_forecast",
    # typhoons
    "holland_1980",
    "holland_2010",
    "holland_b_from_vmax",
    "rmax_willoughby_2006",
    "typhoon_wind_field",
    "convert_to_10min_mean",
    "read_cma_best_track",
    "read_ibtracs_csv",
    "design_typhoon_track",
    "complete_track",
]
