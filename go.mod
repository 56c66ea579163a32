module github.com/quirkcheck/quirk

go 1.26.0
