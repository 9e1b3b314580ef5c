"""ParkTwin: dispersion layer (see DESIGN.md)."""
