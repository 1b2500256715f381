"""Publishing: model folders from runs, the Hub (model repos and Spaces), and the Intel photo set's rebuild."""
