package v1

// v1 is the hub of every kind that older API versions still serve: each
// older version converts to and from v1 only (see api/v1beta1, api/v1alpha1,
// api/v1alpha2), so n versions need n conversions rather than n².

// Hub marks SeccompProfile as the conversion hub.
func (*SeccompProfile) Hub() {}

// Hub marks SelinuxProfile as the conversion hub.
func (*SelinuxProfile) Hub() {}

// Hub marks RawSelinuxProfile as the conversion hub.
func (*RawSelinuxProfile) Hub() {}

// Hub marks AppArmorProfile as the conversion hub.
func (*AppArmorProfile) Hub() {}

// Hub marks ProfileBinding as the conversion hub.
func (*ProfileBinding) Hub() {}

// Hub marks ProfileRecording as the conversion hub.
func (*ProfileRecording) Hub() {}

// Hub marks SecurityProfilesOperatorDaemon as the conversion hub.
func (*SecurityProfilesOperatorDaemon) Hub() {}

// Hub marks SecurityProfileNodeStatus as the conversion hub.
func (*SecurityProfileNodeStatus) Hub() {}
