// Original file: ../../aurigraph/v1/validator.proto


export interface GetLeaderRequest {
}

export interface GetLeaderRequest__Output {
}
