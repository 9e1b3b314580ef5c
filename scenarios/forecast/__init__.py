"""``parktwin forecast`` — the nightly batch: every risk source's credible-worst release on tomorrow's forecast
(``run``: the cycle's steps; ``rules``: release, start and ranking rules; ``cycle``: the cycle folder, run.json and
publishing; ``members``: each source's ensemble members; ``outputs``: probabilities, files, ranking and brief) and
the heavy-rain flood check (``flood``)."""
