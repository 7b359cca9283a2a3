"""The initiative inventory: register, edit, find, list, the sprawl check, fields and the inventory import."""
