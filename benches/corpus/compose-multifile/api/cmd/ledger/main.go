package main

import (
	"log"
	"os"
)

func main() {
	dsn := os.Getenv("LEDGER_DATABASE_URL")
	if dsn == "" {
		log.Fatal("LEDGER_DATABASE_URL is required")
	}
	if err := run(dsn, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}
