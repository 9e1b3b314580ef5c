"""``parktwin watch`` — risk-source warnings: instrument readings dropped in a folder (``io``) against the thresholds
of park.yaml give warning levels, logged and chained into the ledger (``run``); an orange or red warning on a tank or
pipe starts its leak scenario and plan draft on the current weather (``leak``)."""
