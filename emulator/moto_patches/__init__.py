"""Patches that make moto 5.2.1 answer what AWS answers for the calls Terraform makes.

One module per AWS service, each saying in its docstring what moto gets wrong and what its patches
make it answer; every patch is a small function whose docstring names the Terraform resource it
fixes. ``patching`` holds the helpers they share. The launcher, emulator/moto_server.py, keeps the
registry (which patches run, in which order) and applies them before moto's server starts.

Rules kept by every module:
  * only moto's backend / response / model classes are monkeypatched, and URL routes are added to
    moto's own ``url_paths`` tables;
  * nothing is printed on stdout beyond moto's own output;
  * importing a module changes nothing: only calling a patch function does;
  * a patch that cannot find what it patches raises ``PatchError`` at start-up.
"""
