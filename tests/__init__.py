
import pathlib

#: The real StratusLab documents (copied byte for byte, see its README.md)
SAMPLES = pathlib.Path(__file__).resolve().parent / 'samples'
