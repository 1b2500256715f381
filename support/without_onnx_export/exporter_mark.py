"""What sitecustomize.py beside it prints when it removes the exporter (the tests look for it in the app's log)."""

MARK = "the ONNX exporter is unavailable in this process"
