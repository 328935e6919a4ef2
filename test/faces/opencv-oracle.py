"""The face tests' independent side, in OpenCV (Debian's python3-opencv and opencv-data): a
different detector (Viola-Jones Haar cascade, not a neural network), and the pictures the tests
feed Airlock, written by OpenCV's own JPEG encoder.

  detect PATH...                       one JSON line: {path: [[x, y, w, h], ...]}
  jpeg IN OUT                          IN re-encoded as a baseline JPEG (quality 92)
  scene OUT W H BG FACE X,Y,S ...      BG tiled to W x H; the face Haar finds in FACE pasted as an
                                       S-pixel square at each X,Y; written as a JPEG
"""
import json
import sys

import cv2
import numpy as np

CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"


def detector():
    d = cv2.CascadeClassifier(CASCADE)
    if d.empty():
        sys.exit(f"cannot load {CASCADE}")
    return d


def read(path, flags=cv2.IMREAD_COLOR):
    img = cv2.imread(path, flags)
    if img is None:
        sys.exit(f"{path}: not decoded")
    return img


def faces_in(d, img):
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return [[int(v) for v in f] for f in d.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))]


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "detect":
        d = detector()
        print(json.dumps({p: faces_in(d, read(p, cv2.IMREAD_GRAYSCALE)) for p in args}))
    elif cmd == "jpeg":
        cv2.imwrite(args[1], read(args[0]), [cv2.IMWRITE_JPEG_QUALITY, 92])
    elif cmd == "scene":
        out, w, h, bg_path, face_path = args[0], int(args[1]), int(args[2]), args[3], args[4]
        bg = read(bg_path)
        reps = (h // bg.shape[0] + 1, w // bg.shape[1] + 1, 1)
        scene = np.ascontiguousarray(np.tile(bg, reps)[:h, :w])
        face_img = read(face_path)
        found = faces_in(detector(), face_img)
        if len(found) != 1:
            sys.exit(f"{face_path}: expected one face, Haar found {len(found)}")
        x, y, fw, fh = found[0]
        # A margin around Haar's box: a face with its hair and chin, as a person looks.
        m = fw // 4
        crop = face_img[max(0, y - m) : y + fh + m, max(0, x - m) : x + fw + m]
        for spec in args[5:]:
            px, py, size = (int(v) for v in spec.split(","))
            scene[py : py + size, px : px + size] = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        cv2.imwrite(out, scene, [cv2.IMWRITE_JPEG_QUALITY, 92])
    else:
        sys.exit(f"unknown command {cmd}")


main(sys.argv[1:])
