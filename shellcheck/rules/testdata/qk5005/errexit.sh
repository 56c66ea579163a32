#!/bin/bash -e
# With errexit a failing shift stops the script, as it should.
shift 5
