"""ParkTwin: meteo layer (see DESIGN.md)."""
