"""Access forensics: storage and transfer logs, offline IP intelligence, detections."""
