// Tools module for the gRPC code generators (protoc-gen-go,
// protoc-gen-go-grpc), run with `go tool -modfile=hack/tools/grpc/go.mod`.
module github.com/secprofiles/spo/hack/tools/grpc

go 1.26.0

tool (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc
	google.golang.org/protobuf/cmd/protoc-gen-go
)

require (
	google.golang.org/grpc/cmd/protoc-gen-go-grpc v1.6.2 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
