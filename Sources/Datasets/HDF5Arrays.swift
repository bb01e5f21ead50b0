/// HDF5 datasets as arrays (`file.h5:/path/to/dataset`).
enum HDF5Arrays {
    static func read(file: String, dataset: String) throws(DatasetError) -> NumericArray {
        throw DatasetError(file: file, "HDF5 data sets are not supported yet")
    }
}
