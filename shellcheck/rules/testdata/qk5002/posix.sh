#!/bin/sh
last="${@:-1}"                 # want `eval "last=`
