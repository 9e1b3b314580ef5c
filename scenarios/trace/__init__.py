"""``parktwin trace`` — VOC source tracing (docs/trace.md): ``io`` (the monitors and observed CSVs), ``candidates``
(the park's suspects and their transfer array), ``run`` (the command), ``outputs`` (ranking, map, brief),
``experiment`` (twin experiments). The inference itself is ``dispersion.source_inversion``."""
