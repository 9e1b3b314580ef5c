"""``parktwin forecast`` — the nightly batch: every risk source's credible-worst release on tomorrow's forecast
(``run``) and the heavy-rain flood check (``flood``)."""
