"""ParkTwin: twin layer (see DESIGN.md)."""
