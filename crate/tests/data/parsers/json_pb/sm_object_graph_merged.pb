É

xPlaceholder:¬
ø"º
_tf_keras_sequential£{"class_name": "Sequential", "name": "m", "config": {"name": "m", "layers": [{"class_name": "Dense", "config": {"name": "dense", "trainable": true, "units": 2}}]}}:ß
§"°
_tf_keras_layerç{"class_name": "Sequential", "name": "m", "config": {"name": "m", "layers": [{"class_name": "Lambda", "config": {"name": "lambda", "trainable": true, "dtype": "float32", "function": {"class_name": "__tuple__", "items": ["4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACg\nAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3PaAmlkKQLa\nCl9faW1wb3J0X1/aBnN5c3RlbSkB2gF4cwEAAAAg+gg8c3RyaW5nPvoIPGxhbWJkYT5yCAAAAAEA\nAABzIQAAAIAAjSqQVNEKGtQKGtcKIdIKIaAk0Qon1Aon0AosqDGAAPMAAAAA\n", null, null]}, "function_type": "lambda", "module": "__main__", "output_shape": null, "output_shape_type": "raw", "arguments": {}}}]}}