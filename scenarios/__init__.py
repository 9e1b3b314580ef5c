"""ParkTwin: scenarios layer (see DESIGN.md)."""
