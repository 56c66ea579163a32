package server

import (
	"testing"
	"time"
)

func TestBudgetWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBudget(3, time.Minute)
	b.now = func() time.Time { return now }
	for i := range 3 {
		if !b.take() {
			t.Fatalf("dump %d refused within the budget", i)
		}
	}
	if b.take() {
		t.Fatal("a fourth dump in the same minute was admitted")
	}
	now = now.Add(61 * time.Second)
	if !b.take() {
		t.Fatal("the budget did not refill after its window")
	}
	if !newBudget(0, time.Minute).take() {
		t.Fatal("a zero budget must admit everything")
	}
}
