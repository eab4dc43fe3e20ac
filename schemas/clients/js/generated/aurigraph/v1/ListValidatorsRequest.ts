// Original file: ../../aurigraph/v1/validator.proto


export interface ListValidatorsRequest {
}

export interface ListValidatorsRequest__Output {
}
