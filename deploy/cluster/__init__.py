"""The reference deployment on one machine (``make cluster``) and its fault drills
(``make drills``)."""
