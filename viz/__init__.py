"""ParkTwin: viz layer (see DESIGN.md)."""
