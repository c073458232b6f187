"""What the commands do across the layers: review (lint, then plan), apply, export, new/archive."""
