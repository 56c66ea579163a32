#!/bin/sh
shift 2                        # want `dash prints "can't shift that many" and exits the script`
