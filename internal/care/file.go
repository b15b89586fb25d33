package care

import "time"

// SpaceKind says whose files a space holds (DESIGN §2.2).
type SpaceKind string

// The kinds of space.
const (
	// SpaceResident is a resident's care team's space: team members with
	// access to the resident (the contact book's rule) use it.
	SpaceResident SpaceKind = "resident"
	// SpaceGroup is a group's space: its members use it.
	SpaceGroup SpaceKind = "group"
	// SpaceLibrary is the tenant library: tenant admins publish, every
	// member reads.
	SpaceLibrary SpaceKind = "library"
)

// Space names one space: a kind and the resident's or group's ID ("" for
// the library).
type Space struct {
	Kind SpaceKind
	ID   string
}

// Valid reports whether the space is well formed.
func (s Space) Valid() bool {
	switch s.Kind {
	case SpaceResident, SpaceGroup:
		return s.ID != ""
	case SpaceLibrary:
		return s.ID == ""
	}
	return false
}

// Folder is a folder of a space; ParentID "" is the space's top.
type Folder struct {
	ID        string
	Space     Space
	ParentID  string
	Name      string
	CreatedBy string
	CreatedAt time.Time
	DeletedAt *time.Time
}

// File is a shared file: its name and place, and the version now current.
type File struct {
	ID       string
	Space    Space
	FolderID string
	Name     string
	// Version is the current version's number; Size, ContentType and
	// HasThumb describe it.
	Version     int
	Size        int64
	ContentType string
	HasThumb    bool
	// ConsentID is set when the file is the scanned form of a consent.
	ConsentID     string
	CreatedBy     string
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     *time.Time
	DeletedBy     string
}

// Deleted reports whether the file is in the trash.
func (f File) Deleted() bool { return f.DeletedAt != nil }

// FileVersion is one uploaded version of a file. BlobKey and ThumbKey name
// sealed blobs; Size is the plain length, SealedSize what the blob store
// holds (and the quota counts).
type FileVersion struct {
	FileID         string
	No             int
	BlobKey        string
	Size           int64
	SealedSize     int64
	ContentType    string
	SHA256         string
	ThumbKey       string
	ThumbSize      int64
	UploadedBy     string
	UploadedByName string
	UploadedAt     time.Time
}
