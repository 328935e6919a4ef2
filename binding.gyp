{
  "targets": [
    {
      "target_name": "airlock_native",
      "sources": ["src/native/relay.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
