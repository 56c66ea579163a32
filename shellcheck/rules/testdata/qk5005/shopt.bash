#!/bin/bash
# shopt -os errexit is set -o errexit: a failing shift stops the script.
shopt -os errexit
shift 2
