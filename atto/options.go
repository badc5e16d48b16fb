package atto

import "fmt"

// optionErrors applies opts to cfg in order, as [New] does through the
// shared builder, and returns what failed: a nil option, or one that
// returned an error. It serves NewWebhookVerifier and InspectAll, whose
// errors do not carry New's "new client" prefix.
func optionErrors[T any, O ~func(*T) error](cfg *T, opts []O) []error {
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i))
		} else if err := o(cfg); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
