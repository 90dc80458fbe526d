import MLPCLI
